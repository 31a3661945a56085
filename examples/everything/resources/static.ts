import { defineResource } from 'mcp-sse';
import { RED_PIXEL_PNG } from '../_media.js';

export const staticText = defineResource({
  uri: 'test://static-text',
  name: 'Static Text Resource',
  description: 'A static text resource for testing',
  mimeType: 'text/plain',
  read: () => 'This is the content of the static text resource.',
});

// A Uint8Array is sent as a base64 `blob`.
export const staticBinary = defineResource({
  uri: 'test://static-binary',
  name: 'Static Binary Resource',
  description: 'A static binary resource (a 1x1 red PNG)',
  mimeType: 'image/png',
  read: () => Uint8Array.from(Buffer.from(RED_PIXEL_PNG, 'base64')),
});
