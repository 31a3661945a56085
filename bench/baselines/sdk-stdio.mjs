#!/usr/bin/env node
// Baseline: a bare @modelcontextprotocol/sdk v1 stdio server, as its README shows one: one
// McpServer, StdioServerTransport, the same `echo` tool as the benchmark's tool file. No logging.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'sdk-stdio-baseline', version: '1.0.0' }, { capabilities: { logging: {} } });
server.registerTool('echo', { inputSchema: { n: z.number() } }, async ({ n }) => ({ content: [{ type: 'text', text: `echo ${n}` }] }));
await server.connect(new StdioServerTransport());
