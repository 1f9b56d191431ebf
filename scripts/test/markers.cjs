// Which tools outside Node a Jest suite needs: the `@requires <id> …` lines of the docblock that
// opens the file, each id one of scripts/setup/requirements.cjs. A suite without one needs only Node.
const { readFileSync } = require('node:fs');
const { requirements } = require('../setup/requirements.cjs');

const known = new Set(requirements.map((requirement) => requirement.id));

/** The ids a suite's opening docblock names with `@requires`; an unknown id is an error, not a pass. */
function requiredTools(file) {
  const docblock = /^\s*\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  const ids = [...docblock.matchAll(/@requires[ \t]+([^\n*]+)/g)].flatMap((match) => match[1].trim().split(/\s+/));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `${file}: @requires ${unknown.join(' ')} is not in scripts/setup/requirements.cjs (${[...known].join(', ')})`,
    );
  }
  return ids;
}

module.exports = { requiredTools };
