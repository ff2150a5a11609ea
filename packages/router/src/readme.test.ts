import { testReadmeExamples } from '../../../scripts/readme-examples.ts';

testReadmeExamples(new URL('..', import.meta.url));
