// Stylesheets are imported as their text: the build inlines them (see build/css-text.mjs)
// so the element can adopt them inside its shadow root without a separate <link>.
declare module '*.css' {
  const text: string;
  export default text;
}
