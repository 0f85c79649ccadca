/**
 * Copies each feature's SDL (src/<feature>/*.graphql) beside its compiled code
 * in dist/, where the server reads it at start: the build output is whole.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';

cpSync('src', 'dist', {
  recursive: true,
  filter: (source) => path.extname(source) === '' || source.endsWith('.graphql'),
});
console.log('SDL copied to dist/');
