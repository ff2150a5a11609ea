/**
 * The code blocks of a README, as its tests read them. Every ```ts block is
 * an example: type-checked, and run unless fenced ```ts no-run. A line that
 * ends in `// → text` says what the `console.log` on that line prints.
 */
export interface ReadmeExample {
  /** 1-based line of the opening fence, for messages that point into the README. */
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
  /** The `// →` annotations, in order. */
  readonly expectedOutput: readonly string[];
}

const fence = /^```(ts|typescript)((?:[ \t][^\n]*)?)\n([\s\S]*?)^```$/gm;
const outputNote = /\/\/ → (.*)$/;

export function extractExamples(markdown: string): ReadmeExample[] {
  const examples: ReadmeExample[] = [];
  for (const match of markdown.matchAll(fence)) {
    const code = match[3] ?? '';
    examples.push({
      line: markdown.slice(0, match.index).split('\n').length,
      code,
      run: !/\bno-run\b/.test(match[2] ?? ''),
      expectedOutput: code
        .split('\n')
        .map((line) => outputNote.exec(line)?.[1]?.trimEnd())
        .filter((note): note is string => note !== undefined),
    });
  }
  return examples;
}

/**
 * The packages the README's `npm install …` lines name, the first line's
 * first (the package itself and what it needs), then those of later lines
 * (optional extras, such as an OpenTelemetry SDK), each once.
 */
export function installLines(markdown: string): string[] {
  const names = new Set<string>();
  for (const match of markdown.matchAll(/^npm (?:install|i) ([^\n]+)$/gm)) {
    for (const word of (match[1] as string).split(/\s+/)) if (word !== '' && !word.startsWith('-')) names.add(word);
  }
  return [...names];
}

/** The bare package names an example imports from (`node:` builtins and relative paths left out). */
export function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? '';
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return [...names];
}
