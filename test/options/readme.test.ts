// Keeps README.md in step with the code it shows: the set-up block first, every recipe copied byte for
// byte, an install line that installs what the examples import, and no benchmark internals (those live
// in benchmarks/README.md).
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'

interface CodeBlock {
  /** The info string after the opening fence: `ts`, `sh`, or '' for none. */
  info: string
  /** The lines between the fences, each ending with a newline. */
  content: string
  /** 1-based line of the opening fence, for messages. */
  line: number
}

interface Section {
  heading: string
  text: string
}

const root = new URL('../../', import.meta.url)
const recipesDir = new URL('examples/recipes/', root)

/** The fenced code blocks of a Markdown text, in order. */
function codeBlocks (markdown: string): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  let open: { info: string, line: number, body: string[] } | undefined
  lines.forEach((text, index) => {
    if (open === undefined) {
      const fence = /^```(\S*)\s*$/.exec(text)
      if (fence !== null) open = { info: fence[1] ?? '', line: index + 1, body: [] }
    } else if (/^```\s*$/.test(text)) {
      blocks.push({ info: open.info, content: open.body.map((body) => `${body}\n`).join(''), line: open.line })
      open = undefined
    } else {
      open.body.push(text)
    }
  })
  return blocks
}

/** The text under each heading (`##` and deeper), code blocks included, fences ignored for headings. */
function sections (markdown: string): Section[] {
  const out: Section[] = []
  let fenced = false
  let current: Section = { heading: '(before the first section)', text: '' }
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    if (!fenced && /^#{2,6} /.test(line)) {
      out.push(current)
      current = { heading: line, text: '' }
    }
    current.text += `${line}\n`
  }
  out.push(current)
  return out
}

const readme = await readFile(fileURLToPath(new URL('README.md', root)), 'utf8')
const blocks = codeBlocks(readme)
const recipes = (await readdir(recipesDir)).filter((name) => name.endsWith('.ts')).sort()

t.test('the title, one line of prose, then the set-up block', async (t) => {
  const lines = readme.split('\n')
  const title = lines.findIndex((line) => line.trim() !== '')
  t.equal(lines[title], '# fastify-downloads', 'the title comes first')
  let first = title + 1
  while (first < lines.length && lines[first]!.trim() === '') first++
  const intro = lines[first] ?? ''
  t.notOk(intro.startsWith('```'), 'the first line after the title is not a code fence')
  t.notMatch(intro, /^(#|!\[|- |\* |\||>|\d+\. )/, 'it is prose: no heading, image, list, table or quote')
  t.ok(intro.trim().length > 0, 'it says something')
  t.equal((lines[first + 1] ?? '').trim(), '', 'it is a single line: a blank line follows it')

  const setup = blocks[0]
  t.ok(setup !== undefined, 'README has a code block')
  if (setup === undefined) return
  t.equal(setup.info, 'sh', 'the first code block is an sh block')
  const commands = setup.content.split('\n').filter((line) => line.trim() !== '')
  t.equal(commands.length, 2, 'of two lines')
  t.match(commands[0], /^npm ci && npm start\b/, 'the first runs the demo')
  t.match(commands[1], /^npm ci && npm test\b/, 'the second runs the tests')
})

t.test('examples/recipes exist', async (t) => {
  t.ok(recipes.includes('quick-start.ts'), 'quick-start.ts is among them')
  t.ok(recipes.length > 1, 'and there are others')
})

for (const name of recipes) {
  t.test(`README shows examples/recipes/${name} exactly`, async (t) => {
    const file = await readFile(fileURLToPath(new URL(name, recipesDir)), 'utf8')
    const shown = blocks.filter((block) => block.info === 'ts' && block.content === file)
    t.ok(shown.length > 0, `a \`\`\`ts block equals ${name} byte for byte`)
    if (shown.length === 0) {
      // The block that starts like the file, if any, to point at where they differ.
      const firstLine = file.split('\n')[0]
      const near = blocks.find((block) => block.info === 'ts' && block.content.split('\n')[0] === firstLine)
      if (near !== undefined) t.comment(`the block at README.md line ${near.line} starts like ${name} but differs`)
    }
  })
}

t.test('the install line lists every package the examples need', async (t) => {
  const install = blocks
    .filter((block) => block.info === 'sh')
    .flatMap((block) => block.content.split('\n'))
    .find((line) => /^npm (install|i) /.test(line))
  t.ok(install !== undefined, 'an sh block has an npm install line')
  const words = new Set((install ?? '').split(/\s+/))
  for (const name of ['fastify-downloads', 'fastify', '@sinclair/typebox', '@fastify/type-provider-typebox']) {
    t.ok(words.has(name), `it installs ${name}`)
  }
})

t.test('no benchmark internals in README (they live in benchmarks/README.md)', async (t) => {
  for (const { heading, text } of sections(readme)) {
    for (const phrase of ['pretenuring', 'instructions a request']) {
      t.notOk(text.toLowerCase().includes(phrase), `${heading} does not mention '${phrase}'`)
    }
  }
})
