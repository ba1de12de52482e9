// Renders a results file written by run.js again, from its JSON only: --md rewrites its .md (after a
// change to harness/table.js), --readme puts its headline table into README.md (the section of its Node
// version); with neither, prints the headline table.
//
//   node benchmarks/report.js results/<date>-node20-full.json [--md] [--readme]
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { basename, join } from 'node:path'
import { renderMarkdown, renderHeadline } from './harness/table.js'
import { updateReadme } from './harness/readme.js'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { md: { type: 'boolean', default: false }, readme: { type: 'boolean', default: false } }
})
if (positionals.length !== 1) throw new Error('usage: node benchmarks/report.js results/<file>.json [--md] [--readme]')
const file = positionals[0]
const results = JSON.parse(readFileSync(file, 'utf8'))
const mdFile = file.replace(/\.json$/, '.md')
if (args.md) {
  writeFileSync(mdFile, renderMarkdown(results))
  console.error(`wrote ${mdFile}`)
}
const headline = renderHeadline(results, `results/${basename(mdFile)}`)
if (args.readme) {
  const key = `node${results.node.server.slice(1).split('.')[0]}`
  if (updateReadme(join(import.meta.dirname, 'README.md'), key, headline)) console.error(`README.md section ${key} updated`)
} else if (!args.md) {
  process.stdout.write(headline)
}
