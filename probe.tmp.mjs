const mb = () => (process.memoryUsage().rss/1e6).toFixed(0);
const { register } = await import('tsx/esm/api'); register();
console.log('tsx', mb());
for (const m of process.argv.slice(2)) { await import(m); console.log(m, mb()); }
