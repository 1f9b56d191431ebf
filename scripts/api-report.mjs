// `npm run check:api` (after `npm run build`): API Extractor reads the published declarations of
// each `exports` subpath and compares them with the report checked in under etc/. A change to
// the public API fails until the report is updated with `npm run api:update` and reviewed in the
// diff, so no export, signature or type changes by accident.
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import pkg from '../package.json' with { type: 'json' };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const reportFolder = join(root, 'etc');
const tempFolder = join(root, '.tmp/api-report');

/** `.` → `hellosign-oauth.api.md`, `./redis` → `hellosign-oauth-redis.api.md`. */
function reportName(subpath) {
  return subpath === '.' ? `${pkg.name}.api.md` : `${pkg.name}-${subpath.slice(2).replaceAll('/', '-')}.api.md`;
}

function extract(subpath, declarations) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, declarations),
      compiler: {
        // The same view of the world as a consumer's compiler: only the declarations and Node's types.
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            module: 'node16',
            moduleResolution: 'node16',
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [join(root, declarations)],
        },
      },
      apiReport: { enabled: true, reportFolder, reportTempFolder: tempFolder, reportFileName: reportName(subpath) },
      newlineKind: 'lf',
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        // Findings such as a referenced but unexported type are recorded in the report, where a
        // reviewer sees them, instead of failing the build.
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          'ae-missing-release-tag': { logLevel: 'none' },
          // Every public symbol and member carries a JSDoc comment; the generated layer is exempt,
          // being the generator's output as is.
          'ae-undocumented':
            subpath === './generated'
              ? { logLevel: 'warning', addToApiReportFile: true }
              : { logLevel: 'error', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
  return Extractor.invoke(config, { localBuild: update, messageCallback: quietUnlessError });
}

function quietUnlessError(message) {
  if (message.logLevel !== 'error') message.handled = true;
  else if (message.messageId === 'ae-undocumented') {
    const where = relative(root, message.sourceFilePath ?? '?');
    undocumented.push(`${where}:${message.sourceFileLine ?? '?'}: ${message.text}`);
    message.handled = true;
  }
}

const undocumented = [];

mkdirSync(tempFolder, { recursive: true });
if (update) mkdirSync(reportFolder, { recursive: true });
let failed = false;
for (const [subpath, conditions] of Object.entries(pkg.exports)) {
  const declarations = conditions.require?.types;
  if (!declarations) continue;
  undocumented.length = 0;
  const result = extract(subpath, declarations);
  const name = reportName(subpath);
  if (undocumented.length > 0) {
    failed = true;
    console.error(
      `check:api: ${undocumented.length} public declarations of "${subpath}" have no JSDoc comment; document each where it is declared:\n  ${undocumented.join('\n  ')}`,
    );
  } else if (result.apiReportChanged && !update) {
    failed = true;
    console.error(
      `check:api: the public API of "${subpath}" changed: compare etc/${name} with .tmp/api-report/${name}; if intended, run \`npm run api:update\` and commit the report.`,
    );
  } else if (!result.succeeded) {
    failed = true;
    console.error(`check:api: API Extractor failed for "${subpath}" (${result.errorCount} errors)`);
  } else {
    console.log(`check:api: ${subpath}: etc/${name} ${result.apiReportChanged ? 'updated' : 'up to date'}`);
  }
}
if (failed) process.exitCode = 1;
