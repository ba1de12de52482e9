// Re-renders the markdown of a results file written by run.js (e.g. after a change to harness/table.js),
// and with --readme puts it into README.md. Figures come from the JSON only.
//
//   node benchmarks/report.js results/<date>-node20-full.json [--readme]
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { basename, join } from 'node:path'
import { renderMarkdown } from './harness/table.js'
import { updateReadme } from './harness/readme.js'

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { readme: { type: 'boolean', default: false } } })
if (positionals.length !== 1) throw new Error('usage: node benchmarks/report.js results/<file>.json [--readme]')
const file = positionals[0]
const results = JSON.parse(readFileSync(file, 'utf8'))
const md = renderMarkdown(results)
const mdFile = file.replace(/\.json$/, '.md')
writeFileSync(mdFile, md)
console.error(`wrote ${mdFile}`)
if (args.readme) {
  const key = `node${results.node.server.slice(1).split('.')[0]}`
  const rel = `results/${basename(mdFile)}`
  if (updateReadme(join(import.meta.dirname, 'README.md'), key, `From [${rel}](${rel}):\n\n` + md.split('\n').slice(2).join('\n'))) console.error(`README.md section ${key} updated`)
}
