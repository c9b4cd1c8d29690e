// Parses every dashboard ES module with node's own parser and links the
// module graph (every `import { x } from './y.mjs'` must name a file that
// exports x) without evaluating anything: the page's code needs a browser.
// Run: node --experimental-vm-modules check_modules.mjs DIR
// Prints one line per problem and exits 1 if there is any.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

const dir = process.argv[2];
const context = vm.createContext({});
const modules = new Map();
const problems = [];
for (const name of readdirSync(dir).filter(n => n.endsWith('.mjs')).sort()) {
  try {
    modules.set(name, new vm.SourceTextModule(readFileSync(join(dir, name), 'utf8'), { identifier: name, context }));
  } catch (e) {
    problems.push(`${name}: ${e.name}: ${e.message}`);
  }
}
for (const [name, module] of modules) {
  if (module.status !== 'unlinked') continue;  // linked as another's dependency
  try {
    await module.link(specifier => {
      const target = modules.get(specifier.replace(/^\.\//, ''));
      if (!target) throw new Error(`imports '${specifier}', which is not a dashboard module`);
      return target;
    });
  } catch (e) {
    problems.push(`${name}: ${e.message}`);
  }
}
for (const p of problems) console.log(p);
console.log(`${modules.size} modules checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
