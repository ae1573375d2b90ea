// The test page loads video.js as a classic script; ES modules importing 'video.js' get that same object.
export default window.videojs;
