/**
 * simforge resolves the browser itself (src/render/browser.ts): $SIMFORGE_CHROME or
 * $PUPPETEER_EXECUTABLE_PATH, then a system Chromium/Chrome, then puppeteer's cache.
 * Puppeteer's own download at install time is skipped because it fails on networks that
 * only reach the npm registry; `npm run demo` installs a browser when none is found.
 * @type {import("puppeteer").Configuration}
 */
module.exports = { skipDownload: true };
