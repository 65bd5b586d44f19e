/** Text put into the HTML report and contact sheets. */

/** Escape text for HTML/SVG content and attribute values; "://" is broken up too so no text reads as a link. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/:\/\//g, "&#58;//");
}
