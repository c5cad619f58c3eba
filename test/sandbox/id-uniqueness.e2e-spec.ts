import { startSandbox } from '@app/sandbox';
import { http, irAuth, phAuth, wsAuth } from './http-helpers';

const PER_PROVIDER = 20;

/** Creates through each provider API and returns every id the sandbox handed out. */
async function createEverywhere(): Promise<{ webshare: number[]; iproyal: number[]; strings: string[] }> {
  const sandbox = await startSandbox({ port: 0, rateLimits: false });
  try {
    const webshare: number[] = [];
    const iproyal: number[] = [];
    const strings: string[] = [];
    for (let i = 0; i < PER_PROVIDER; i++) {
      const ws = await http('POST', `${sandbox.webshareBaseUrl}/api/v2/subuser/`, {
        headers: wsAuth(),
        body: { label: `u${i}` },
      });
      webshare.push(ws.body.id);
      const ph = await http('POST', `${sandbox.proxyhatBaseUrl}/sub-users`, {
        headers: phAuth(),
        body: { proxy_password: 'pw' },
      });
      const group = await http('POST', `${sandbox.proxyhatBaseUrl}/sub-user-groups`, {
        headers: phAuth(),
        body: { name: `g${i}` },
      });
      const ir = await http('POST', `${sandbox.iproyalBaseUrl}/residential-subusers`, {
        headers: irAuth(),
        body: { username: `user${i}`, password: 'secret123', traffic: 0 },
      });
      iproyal.push(ir.body.id);
      strings.push(ph.body.payload.uuid, group.body.payload.id, ir.body.hash);
    }
    return { webshare, iproyal, strings };
  } finally {
    await sandbox.close();
  }
}

describe('ids across sandbox restarts', () => {
  it('hardening #12: two sandboxes started one after the other never hand out the same id', async () => {
    const first = await createEverywhere();
    const second = await createEverywhere();

    // Integer ids keep increasing from one process to the next.
    expect(Math.min(...second.webshare)).toBeGreaterThan(Math.max(...first.webshare));
    expect(Math.min(...second.iproyal)).toBeGreaterThan(Math.max(...first.iproyal));
    // UUIDs and hashes are random: none repeats, within or across the runs.
    const strings = [...first.strings, ...second.strings];
    expect(new Set(strings).size).toBe(strings.length);
    expect(strings).toHaveLength(2 * 3 * PER_PROVIDER);
  });

  it('seeded data stays deterministic: the same ids after a restart', async () => {
    const seededIds = async () => {
      const sandbox = await startSandbox({ port: 0, seedWebshare: 3, seedProxyhat: 3, seedIproyal: 3 });
      try {
        return {
          webshare: sandbox.control.state('webshare').map((s) => s.id),
          proxyhat: sandbox.control.state('proxyhat').map((s) => s.uuid),
          iproyal: sandbox.control.state('iproyal').map((s) => [s.id, s.hash]),
        };
      } finally {
        await sandbox.close();
      }
    };
    const first = await seededIds();
    expect(first.webshare).toEqual([1, 2, 3]);
    expect(await seededIds()).toEqual(first);
  });
});
