// browser.mjs that first writes to its stdout and stderr, to show that a browser command's own
// output reaches the user's stderr and never oauth's stdout.
process.stdout.write('noisy-browser says hello on stdout\n');
process.stderr.write('noisy-browser says hello on stderr\n');
await import('./browser.mjs');
