import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Command, Option } from 'commander';
import { allPages, closeClient, connectClient } from './client-connection.js';
import { collectHeader, endpointOrExit, parseTransport } from './endpoint.js';
import { formatTable } from './table.js';

interface ListOptions {
  tools?: boolean;
  resources?: boolean;
  prompts?: boolean;
  json?: boolean;
  transport?: 'sse' | 'http';
  header?: Record<string, string>;
}

export function listCommand(): Command {
  return new Command('list')
    .description('list what a running MCP server offers: tools by default, or --resources / --prompts')
    .argument('[url]', 'server URL, …/sse or …/mcp (default: the server `serve` runs from this folder, else http://127.0.0.1:8000)')
    .option('--tools', 'list tools (the default when nothing else is asked for)')
    .option('--resources', 'list resources and resource templates')
    .option('--prompts', 'list prompts')
    .option('--json', 'print JSON ({ tools, resources, resourceTemplates, prompts }) instead of tables')
    .addOption(new Option('-t, --transport <transport>', 'sse or http (default: from the URL path, else sse)').argParser(parseTransport))
    .option('--header <header>', "extra request header 'Name: value' (repeatable)", collectHeader)
    .addHelpText('after', "\nExamples:\n  $ mcp-sse list\n  $ mcp-sse list http://127.0.0.1:8000/mcp --resources --prompts\n  $ mcp-sse list --json --header 'Authorization: Bearer $TOKEN'")
    .action(async function (this: Command, url: string | undefined, opts: ListOptions) {
      const endpoint = endpointOrExit(this, url, opts.transport);
      const wanted = { tools: opts.tools || (!opts.resources && !opts.prompts), resources: opts.resources, prompts: opts.prompts };
      const client = await connectClient(endpoint, opts.header);
      try {
        const listing = await fetchListing(client, wanted);
        process.stdout.write(opts.json ? `${JSON.stringify(listing, null, 2)}\n` : `${formatListing(listing)}\n`);
      } finally {
        await closeClient(client);
      }
    });
}

type Listing = {
  tools?: Awaited<ReturnType<Client['listTools']>>['tools'];
  resources?: Awaited<ReturnType<Client['listResources']>>['resources'];
  resourceTemplates?: Awaited<ReturnType<Client['listResourceTemplates']>>['resourceTemplates'];
  prompts?: Awaited<ReturnType<Client['listPrompts']>>['prompts'];
};

async function fetchListing(client: Client, wanted: { tools?: boolean; resources?: boolean; prompts?: boolean }): Promise<Listing> {
  const listing: Listing = {};
  // A server may lack a capability; asking anyway would only earn a "method not found".
  const caps = client.getServerCapabilities() ?? {};
  if (wanted.tools) listing.tools = caps.tools ? await allPages((cursor) => client.listTools({ cursor }), 'tools') : [];
  if (wanted.resources) {
    listing.resources = caps.resources ? await allPages((cursor) => client.listResources({ cursor }), 'resources') : [];
    listing.resourceTemplates = caps.resources ? await allPages((cursor) => client.listResourceTemplates({ cursor }), 'resourceTemplates') : [];
  }
  if (wanted.prompts) listing.prompts = caps.prompts ? await allPages((cursor) => client.listPrompts({ cursor }), 'prompts') : [];
  return listing;
}


/** Argument names, `?` marking the optional ones. */
function argumentNames(properties: Record<string, unknown> | undefined, required: string[] = []): string {
  return Object.keys(properties ?? {})
    .map((name) => (required.includes(name) ? name : `${name}?`))
    .join(', ');
}

function formatListing(listing: Listing): string {
  const sections: Array<{ title: string; text: string }> = [];
  const section = (title: string, rows: Array<Record<string, unknown>>, columns: string[]) =>
    sections.push({ title, text: rows.length ? formatTable(rows, columns) : `(no ${title})` });
  if (listing.tools) {
    const rows = listing.tools.map((t) => ({ name: t.name, arguments: argumentNames(t.inputSchema.properties, t.inputSchema.required), description: t.description ?? t.title }));
    section('tools', rows, ['name', 'arguments', 'description']);
  }
  if (listing.resources) {
    const rows = [
      ...listing.resources.map((r) => ({ uri: r.uri, name: r.name, mime: r.mimeType, description: r.description })),
      ...(listing.resourceTemplates ?? []).map((r) => ({ uri: r.uriTemplate, name: r.name, mime: r.mimeType, description: r.description })),
    ];
    section('resources', rows, ['uri', 'name', 'mime', 'description']);
  }
  if (listing.prompts) {
    const rows = listing.prompts.map((p) => ({
      name: p.name,
      arguments: (p.arguments ?? []).map((a) => (a.required ? a.name : `${a.name}?`)).join(', '),
      description: p.description ?? p.title,
    }));
    section('prompts', rows, ['name', 'arguments', 'description']);
  }
  if (sections.length === 1) return sections[0]!.text;
  return sections.map((s) => `${s.title[0]!.toUpperCase()}${s.title.slice(1)}\n${s.text}`).join('\n\n');
}
