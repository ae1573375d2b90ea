/** Hive Keychain's browser extension API, the one call the dashboard needs. */

interface KeychainResponse {
  success: boolean;
  result?: string;
  message?: string;
  error?: string;
}

interface HiveKeychain {
  requestSignBuffer(username: string, message: string, role: 'Posting', callback: (response: KeychainResponse) => void): void;
}

export function keychainAvailable(): boolean {
  return typeof (window as unknown as { hive_keychain?: HiveKeychain }).hive_keychain?.requestSignBuffer === 'function';
}

/** Asks Keychain to sign `message` with the account's posting key; resolves with the hex signature. */
export function signWithKeychain(username: string, message: string): Promise<string> {
  const keychain = (window as unknown as { hive_keychain?: HiveKeychain }).hive_keychain;
  if (!keychain) return Promise.reject(new Error('Hive Keychain is not installed in this browser'));
  return new Promise((resolve, reject) => {
    keychain.requestSignBuffer(username, message, 'Posting', (response) => {
      if (response.success && typeof response.result === 'string') resolve(response.result);
      else reject(new Error(response.message ?? response.error ?? 'Keychain refused to sign'));
    });
  });
}
