import readChangesets from '@changesets/read';
import { repoRoot } from './lib/workspace.ts';

// The release flow parses changesets only at release time; a formatter that
// mangles their frontmatter should fail `npm test`, not the release.
const changesets = await readChangesets(repoRoot);
for (const { id, releases } of changesets) {
  if (releases.length === 0) throw new Error(`.changeset/${id}.md names no package`);
}
console.log(`${changesets.length} changesets parse: ${changesets.map((c) => c.id).join(', ')}`);
