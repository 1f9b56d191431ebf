// Jest --filter: the suites whose docblock names no tool with `@requires` (they need only Node).
const { requiredTools } = require('./markers.cjs');

module.exports = async (testPaths) => ({ filtered: testPaths.filter((path) => requiredTools(path).length === 0) });
