// A hand-written SVG bar chart of time ratios to native, one group of bars per workload,
// on a logarithmic axis (the ratios span 1× to 1000×).

const COLORS = { floor: '#8c8c8c', runrsc: '#1f77b4', 'runrsc-warm': '#9ecae1', proot: '#ff7f0e', runc: '#2ca02c' };
const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @param {{ title: string, rows: { label: string, ratios: Record<string, number | undefined> }[],
 *   modes: { key: string, name: string }[] }} o
 * @returns {string} the SVG document
 */
export function ratioChart({ title, rows, modes }) {
  const shown = modes.filter((m) => m.key !== 'native' && rows.some((r) => r.ratios[m.key] !== undefined));
  const bar = 12;
  const gap = 10;
  const left = 230;
  const plotWidth = 560;
  const top = 50;
  const groupHeight = shown.length * bar + gap;
  const height = top + rows.length * groupHeight + 40;
  const all = rows.flatMap((r) => shown.map((m) => r.ratios[m.key])).filter((x) => x !== undefined && x > 0);
  const minDecade = Math.min(0, Math.floor(Math.log10(Math.min(1, ...all))));
  const maxDecade = Math.max(1, Math.ceil(Math.log10(Math.max(1, ...all))));
  const x = (r) => left + ((Math.log10(r) - minDecade) / (maxDecade - minDecade)) * plotWidth;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotWidth + 30}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  shown.forEach((m, i) => {
    const lx = 10 + i * 160;
    out.push(`<rect x="${lx}" y="30" width="10" height="10" fill="${COLORS[m.key] ?? '#000'}"/>`);
    out.push(`<text x="${lx + 14}" y="39">${escape(m.name)}</text>`);
  });
  for (let d = minDecade; d <= maxDecade; d++) {
    const gx = x(10 ** d);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 30}" stroke="${d === 0 ? '#000' : '#ddd'}"/>`);
    out.push(`<text x="${gx}" y="${height - 16}" text-anchor="middle">${10 ** d}×</text>`);
  }
  rows.forEach((row, i) => {
    const y0 = top + i * groupHeight;
    out.push(`<text x="${left - 6}" y="${y0 + (shown.length * bar) / 2 + 4}" text-anchor="end">${escape(row.label)}</text>`);
    shown.forEach((m, j) => {
      const r = row.ratios[m.key];
      if (r === undefined || r <= 0) return;
      const y = y0 + j * bar;
      const x0 = x(10 ** minDecade);
      out.push(`<rect x="${x0}" y="${y}" width="${Math.max(1, x(r) - x0)}" height="${bar - 2}" fill="${COLORS[m.key] ?? '#000'}"><title>${escape(`${row.label}, ${m.name}: ${r.toFixed(2)}× native`)}</title></rect>`);
      out.push(`<text x="${x(r) + 3}" y="${y + bar - 3}" font-size="9">${r >= 10 ? Math.round(r) : r.toFixed(1)}×</text>`);
    });
  });
  out.push(`<text x="${left}" y="${height - 3}" fill="#555">time ÷ native (log scale; lower is better)</text>`, '</svg>', '');
  return out.join('\n');
}
