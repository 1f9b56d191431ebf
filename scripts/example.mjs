// `npm run example`: serves examples/service from this checkout for a person to click through.
// With no HELLOSIGN_* variable set it runs against the bundled mock server, whose consent page
// asks Approve or Deny. PORT (default 3000) and the example's other variables apply.
import { exampleDir, prepareExample } from './example-link.mjs';

prepareExample();
await import(`${exampleDir}/src/main.js`);
