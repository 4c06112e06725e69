// Renders Home Assistant templates with real Jinja2 (Debian's python3-jinja2, the engine Home
// Assistant uses), with StrictUndefined so a template naming a field the payload lacks fails here
// (Home Assistant would only log a warning and show "unknown").
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys
from jinja2 import Environment, StrictUndefined
env = Environment(undefined=StrictUndefined)
out = []
for job in json.load(sys.stdin):
    try:
        ctx = dict(job.get('vars', {}))
        if 'value' in job:
            ctx['value'] = job['value']
            if isinstance(job['value'], str):
                try:
                    ctx['value_json'] = json.loads(job['value'])
                except Exception:
                    pass
        out.append({'ok': True, 'result': env.from_string(job['template']).render(**ctx)})
    except Exception as e:
        out.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
json.dump(out, sys.stdout)
`;

export interface RenderJob {
  template: string;
  value?: string | number;
  vars?: Record<string, unknown>;
}
export type Rendered = { ok: true; result: string } | { ok: false; error: string };

/** Whether Jinja2 can be used here (the test says why it skips when not). */
export async function jinjaAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return new Promise((resolve) => execFile(PYTHON, ['-c', 'import jinja2'], (err) => resolve(!err)));
}

/** Renders every job in one Python process. */
export function renderAll(jobs: RenderJob[]): Promise<Rendered[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`jinja2 failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as Rendered[]);
    });
    child.stdin?.end(JSON.stringify(jobs));
  });
}

export async function render(template: string, value?: string | number): Promise<string> {
  const [r] = await renderAll([{ template, ...(value !== undefined ? { value } : {}) }]);
  if (!r?.ok) throw new Error(`template ${template} failed: ${r?.ok === false ? r.error : 'no result'}`);
  return r.result;
}
