// Independent reading of a ROOT file for hfx's reader tests: JSROOT (npm package jsroot)
// lists every key and decodes every TH1 histogram; prints them as JSON.
// Usage: node jsroot_dump.mjs FILE.root   (scripts/jsroot-expectations.sh runs it)
import { openFile } from 'jsroot/io';

const f = await openFile(process.argv[2]);
const keys = [];
const histograms = {};
async function walk(dir, prefix) {
  for (const k of dir.fKeys) {
    const path = prefix + k.fName;
    if (k.fClassName === 'TList' && k.fName === 'StreamerInfo') continue;
    keys.push({ path, cycle: k.fCycle, class: k.fClassName, title: k.fTitle });
    if (k.fClassName === 'TDirectory' || k.fClassName === 'TDirectoryFile') {
      await walk(await f.readDirectory(path), path + '/');
    } else if (/^TH1[CSIFD]$/.test(k.fClassName)) {
      const h = await f.readObject(path + ';' + k.fCycle);
      histograms[path + ';' + k.fCycle] = {
        class: k.fClassName, title: h.fTitle, bins: h.fXaxis.fNbins, xmin: h.fXaxis.fXmin, xmax: h.fXaxis.fXmax,
        xbins: Array.from(h.fXaxis.fXbins), contents: Array.from(h.fArray), sumw2: Array.from(h.fSumw2), entries: h.fEntries,
      };
    }
  }
}
await walk(f, '');
console.log(JSON.stringify({ keys, histograms }));
