// One file, several tools: every named export made by defineTool is served.
import { defineTool, audio, image, resource, text } from 'mcp-sse';
import { RED_PIXEL_PNG, silentWav } from '../_media.js';

export const simpleText = defineTool({
  name: 'test_simple_text',
  description: 'Returns a simple text response',
  handler: () => 'This is a simple text response for testing.',
});

export const imageContent = defineTool({
  name: 'test_image_content',
  description: 'Returns an image (a 1x1 red PNG)',
  handler: () => image(RED_PIXEL_PNG, 'image/png'),
});

export const audioContent = defineTool({
  name: 'test_audio_content',
  description: 'Returns audio (a tiny silent WAV)',
  handler: () => audio(silentWav(), 'audio/wav'),
});

export const embeddedResource = defineTool({
  name: 'test_embedded_resource',
  description: 'Returns an embedded resource',
  handler: () =>
    resource({ uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' }),
});

export const multipleContentTypes = defineTool({
  name: 'test_multiple_content_types',
  description: 'Returns text, an image and an embedded resource',
  handler: () => [
    text('Multiple content types test:'),
    image(RED_PIXEL_PNG, 'image/png'),
    resource({
      uri: 'test://mixed-content-resource',
      mimeType: 'application/json',
      text: JSON.stringify({ test: 'data', value: 123 }),
    }),
  ],
});
