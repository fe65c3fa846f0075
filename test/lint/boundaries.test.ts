import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The repository's own eslint.config.js, applied to source text as if it lived at `file`.
const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '../..') });

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries (eslint)', () => {
  it('the app may not reach into a pipeline area, even for a type', async () => {
    expect(
      await boundaryErrors(
        'src/ui/Fixture.tsx',
        "import { createEndpoint } from '../pipeline/llm/endpoint.js';\nvoid createEndpoint;\n",
      ),
    ).toEqual([expect.stringMatching(/only through its facade/)]);
    expect(
      await boundaryErrors(
        'src/ui/review/Fixture.tsx',
        "import type { Run } from '../../pipeline/store/run.js';\nexport type R = Run;\n",
      ),
    ).toHaveLength(1);
  });

  it('the CLI may not reach into a pipeline area', async () => {
    expect(
      await boundaryErrors('src/cli/commands/fixture.ts', "export { Run } from '../../pipeline/store/run.js';\n"),
    ).toEqual([expect.stringMatching(/facade/)]);
    expect(await boundaryErrors('src/cli.ts', "import './pipeline/runner/runner.js';\n")).toHaveLength(1);
  });

  it('the CLI loads the app (and Ink) only when it opens it: no static import, a type import is fine', async () => {
    expect(
      await boundaryErrors(
        'src/cli/commands/fixture.ts',
        "import { launchApp } from '../../ui/launch.js';\nvoid launchApp;\n",
      ),
    ).toEqual([expect.stringMatching(/only when it opens/)]);
    expect(await boundaryErrors('src/cli/fixture.ts', "import { render } from 'ink';\nvoid render;\n")).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/cli/commands/fixture.ts',
        "import type { LaunchOptions } from '../../ui/launch.js';\nexport const f = async (o: LaunchOptions) => (await import('../../ui/launch.js')).launchApp(o);\n",
      ),
    ).toEqual([]);
  });

  it('the facade and the presentation model are open to both front ends', async () => {
    expect(
      await boundaryErrors(
        'src/cli/commands/fixture.ts',
        "import * as pipeline from '../../pipeline/index.js';\nimport * as view from '../../present/status.js';\nvoid pipeline; void view;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors('src/ui/Fixture.tsx', "import * as pipeline from '../pipeline/index.js';\nvoid pipeline;\n"),
    ).toEqual([]);
  });

  it('the app never imports the CLI', async () => {
    expect(
      await boundaryErrors('src/ui/progress/Fixture.tsx', "import { fmt } from '../../cli/format.js';\nvoid fmt;\n"),
    ).toEqual([expect.stringMatching(/never import the CLI/)]);
  });

  it('the presentation model imports only the facade', async () => {
    const errors = await boundaryErrors(
      'src/present/fixture.ts',
      "import '../pipeline/store/run.js';\nimport '../ui/App.js';\nimport '../cli/format.js';\nimport 'ink';\nimport '../pipeline/index.js';\nimport 'node:path';\n",
    );
    expect(errors).toHaveLength(4);
  });

  it('the pipeline never imports a front end, ink or react', async () => {
    const errors = await boundaryErrors(
      'src/pipeline/report/fixture.ts',
      "import 'ink';\nimport 'react';\nimport '../../ui/App.js';\nimport '../../cli/common.js';\nimport '../../present/status.js';\nimport '../util/format.js';\n",
    );
    expect(errors).toHaveLength(5);
  });
});
