// Served at / until the dashboard (web/dist) is built: says what Loop is and where its APIs are.
// No inline style or script: the Content-Security-Policy (core/http/guard.ts) allows neither.
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export const placeholderPage = (rawName: string): string => {
  const name = esc(rawName);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${name}</title>
</head><body>
<h1>${name}</h1>
<p>Loop is running. The dashboard is not built on this device yet.</p>
<ul>
<li>REST API and its OpenAPI document: <a href="/api/docs">/api/docs</a> (<a href="/api/docs/json">JSON</a>)</li>
<li>Dashboard state: <a href="/api/dashboard">/api/dashboard</a>, health: <a href="/api/health">/api/health</a></li>
<li>Live events: WebSocket <code>/ws</code>; MQTT on port 1883 or over WebSocket at <code>/mqtt</code></li>
</ul>
</body></html>
`;
};
