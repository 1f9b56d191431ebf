// Jest --filter: the suites whose docblock names a tool with `@requires` (a service, Java, …).
const { requiredTools } = require('./markers.cjs');

module.exports = async (testPaths) => ({ filtered: testPaths.filter((path) => requiredTools(path).length > 0) });
