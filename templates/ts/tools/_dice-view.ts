// The view of `roll-dice`: a plain TypeScript page on the `App` class of
// @modelcontextprotocol/ext-apps, which talks to the host over postMessage. The leading `_`
// keeps mcp-sse from serving this file as a tool.
import { App } from '@modelcontextprotocol/ext-apps';

interface Roll {
  rolls: number[];
  total: number;
}

const dice = document.getElementById('dice')!;
const total = document.getElementById('total')!;
const again = document.getElementById('again') as HTMLButtonElement;
let last = { count: 2, sides: 6 };

function show(roll: Roll | undefined) {
  if (!roll) return;
  dice.replaceChildren(
    ...roll.rolls.map((value) => Object.assign(document.createElement('span'), { textContent: String(value) })),
  );
  total.textContent = `total ${roll.total}`;
}

const app = new App({ name: 'dice-view', version: '1.0.0' }, {});
// Registered before connect(): the host sends the input and the result once, right after it.
app.addEventListener('toolinput', ({ arguments: args }) => {
  last = { ...last, ...(args as Partial<typeof last>) };
});
app.addEventListener('toolresult', (result) => show(result.structuredContent as Roll | undefined));

again.addEventListener('click', async () => {
  again.disabled = true;
  try {
    // Through the host, to this same server.
    const result = await app.callServerTool({ name: 'roll-dice', arguments: last });
    show(result.structuredContent as Roll | undefined);
  } finally {
    again.disabled = false;
  }
});

await app.connect();
