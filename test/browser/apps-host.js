// A minimal MCP Apps host page, bundled by esbuild in test/e2e/apps-browser.test.ts: an SDK v2
// client connected to mcp-sse, and the host side of @modelcontextprotocol/ext-apps (AppBridge)
// rendering the view of a tool call in a sandboxed iframe. Not a spec-compliant web host (that
// needs a sandbox proxy on a second origin); enough to drive a real view in a real browser.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AppBridge, PostMessageTransport, RESOURCE_MIME_TYPE, getToolUiResourceUri } from '@modelcontextprotocol/ext-apps/app-bridge';

const state = (window.host = { renders: 0, updates: 0, log: [] });
const log = (line) => state.log.push(line);
const server = new URL(new URLSearchParams(location.search).get('server'));
const client = new Client(
  { name: 'test-host', version: '1.0.0' },
  { capabilities: { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [RESOURCE_MIME_TYPE] } } } },
);
await client.connect(new StreamableHTTPClientTransport(server));
state.extensions = client.getServerCapabilities()?.extensions;

const { tools } = await client.listTools();
const tool = tools.find((t) => getToolUiResourceUri(t));
const uri = getToolUiResourceUri(tool);
const args = { a: 1, b: 2 };
const result = await client.callTool({ name: tool.name, arguments: args });

let current;
async function render() {
  const { contents: [content] } = await client.readResource({ uri });
  if (content.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`not an MCP App: ${content.mimeType}`);
  const ui = content._meta?.ui ?? {};
  if (current) {
    await current.bridge.teardownResource({}).catch(() => undefined);
    await current.bridge.close();
    current.iframe.remove();
  }
  const iframe = document.createElement('iframe');
  // No allow-same-origin: the view gets an opaque origin and cannot reach this page.
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.style.cssText = `width: 480px; height: 120px; border: ${ui.prefersBorder === false ? '0' : '2px solid #888'}`;
  document.body.appendChild(iframe);
  const bridge = new AppBridge(client, { name: 'test-host', version: '1.0.0' }, { serverTools: {}, serverResources: {}, logging: {} }, {
    hostContext: { theme: 'light', displayMode: 'inline', availableDisplayModes: ['inline'], toolInfo: { tool } },
  });
  bridge.onsizechange = ({ height }) => {
    if (height != null) iframe.style.height = `${height}px`;
  };
  bridge.onloggingmessage = (params) => log(`view log: ${JSON.stringify(params.data)}`);
  const initialized = new Promise((resolve) => (bridge.oninitialized = () => resolve()));
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = withCsp(content.text, ui.csp);
  await initialized;
  await bridge.sendToolInput({ arguments: args });
  await bridge.sendToolResult(result);
  current = { iframe, bridge };
  state.renders++;
}

function withCsp(html, csp = {}) {
  const list = (domains) => (domains ?? []).join(' ');
  const policy = [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${list(csp.resourceDomains)}`,
    `style-src 'unsafe-inline' ${list(csp.resourceDomains)}`,
    `img-src data: ${list(csp.resourceDomains)}`,
    csp.connectDomains?.length ? `connect-src ${list(csp.connectDomains)}` : "connect-src 'none'",
  ].join('; ');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => m + meta) : meta + html;
}

// A rebuilt view: read it again and reload the iframe with the same tool result.
client.setNotificationHandler('notifications/resources/updated', (notification) => {
  if (notification.params.uri !== uri) return;
  state.updates++;
  render().catch((error) => log(`render failed: ${error.message}`));
});
await client.subscribeResource({ uri });
await render();
state.ready = true;
