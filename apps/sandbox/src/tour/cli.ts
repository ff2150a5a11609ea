import { lessonByNumber, lessons } from '../lessons/index.ts';
import { formatTourResult } from './format.ts';
import { tourLesson } from './tour.ts';

const usage = `Usage: palisade-sandbox --headless [--lesson N] [--seed S]

  --headless   play every lesson's scripted run in simulated time and print,
               for each, the results with and without palisade
  --lesson N   only lesson N (1 to 8)
  --seed S     the run's seed (default 1): one seed, one run

Without --headless, run \`npm start\` from the repository to open the sandbox in a browser.`;

interface Args {
  readonly headless: boolean;
  readonly lesson: number | undefined;
  readonly seed: number;
  readonly help: boolean;
}

function parse(argv: readonly string[]): Args | string {
  let headless = false;
  let lesson: number | undefined;
  let seed = 1;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--headless') headless = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--lesson' || arg === '--seed') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value)) return `${arg} needs a whole number`;
      if (arg === '--lesson') lesson = value;
      else seed = value;
    } else return `unknown argument ${arg}`;
  }
  return { headless, lesson, seed, help };
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n\n${usage}`);
    return 2;
  }
  if (args.help || !args.headless) {
    console.log(usage);
    return args.help ? 0 : 2;
  }
  const chosen = args.lesson === undefined ? lessons : [lessonByNumber(args.lesson)].filter((l) => l !== undefined);
  if (chosen.length === 0) {
    console.error(`There is no lesson ${args.lesson}. Lessons: ${lessons.map((l) => l.number).join(', ')}.`);
    return 2;
  }
  const interactive = process.stdout.isTTY === true;
  console.log(`palisade sandbox tour: ${chosen.length} lesson${chosen.length === 1 ? '' : 's'}, seed ${args.seed}\n`);
  for (const [index, lesson] of chosen.entries()) {
    const label = `[${index + 1}/${chosen.length}] lesson ${lesson.number}: ${lesson.title}`;
    let lastShown = -1;
    const result = await tourLesson(lesson, args.seed, (done) => {
      const percent = Math.floor(done * 100);
      if (interactive) process.stdout.write(`\r${label} … ${percent}%`);
      else if (percent >= lastShown + 25) {
        lastShown = percent;
        console.log(`${label} … ${percent}%`);
      }
    });
    if (interactive) process.stdout.write('\r\u001b[2K');
    console.log(`${formatTourResult(result)}\n`);
  }
  return 0;
}
