import type { CalibrationReport } from './calibrate';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report an admin takes to sales, as text. */
export function renderTextReport(r: CalibrationReport): string {
  const m = r.heldOut.atThreshold;
  const lines = [
    `Calibration: ${r.name}`,
    `Rows: ${r.rows.train} to fit, ${r.rows.test} held out (never seen while fitting); ${pct(r.rows.conversionRate)} converted.`,
    '',
    `Held-out AUC: ${r.heldOut.auc.toFixed(3)} calibrated${r.current ? ` vs ${r.current.auc.toFixed(3)} current model (${r.current.name})` : ''}`,
    `MQL threshold: ${r.threshold} (goal: ${r.goal.kind === 'precision' ? `precision ≥ ${pct(r.goal.target)}` : `${r.goal.mqlsPerPeriod} MQLs per ${r.goal.contactsPerPeriod} contacts`})`,
    `At the threshold, held out: ${m.mqls} MQLs (${pct(m.mqlRate)} of contacts), precision ${pct(m.precision)}, recall ${pct(m.recall)}, F1 ${m.f1.toFixed(3)}`,
    ...(r.current ? [`Current model at its threshold (${r.current.atThreshold.threshold}): ${r.current.atThreshold.mqls} MQLs, precision ${pct(r.current.atThreshold.precision)}, recall ${pct(r.current.atThreshold.recall)}, F1 ${r.current.atThreshold.f1.toFixed(3)}`] : []),
    '',
    'Conversion by score decile (held out):',
    ...r.heldOut.deciles.map((d) => `  ${String(d.decile).padStart(2)}  scores ${String(d.minScore).padStart(4)}–${String(d.maxScore).padEnd(4)} conversion ${pct(d.conversion).padStart(6)}  lift ${d.lift.toFixed(2)}×`),
    '',
    'Points (largest first):',
    ...r.points.filter((p) => p.points !== 0).slice(0, 40).map((p) => `  ${String(p.points).padStart(4)}  ${p.column}: ${p.bin}  (${p.trainRows} rows)`),
  ];
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A self-contained HTML page with the lift chart (inline SVG) and the points table. */
export function renderHtmlReport(r: CalibrationReport): string {
  const maxLift = Math.max(1, ...r.heldOut.deciles.map((d) => d.lift));
  const bars = r.heldOut.deciles
    .map((d, i) => {
      const h = (d.lift / maxLift) * 180;
      return `<g><rect x="${40 + i * 52}" y="${200 - h}" width="40" height="${h}" fill="#c2410c"><title>Decile ${d.decile}: ${pct(d.conversion)} converted, lift ${d.lift.toFixed(2)}×</title></rect><text x="${60 + i * 52}" y="218" text-anchor="middle">${d.decile}</text><text x="${60 + i * 52}" y="${195 - h}" text-anchor="middle">${d.lift.toFixed(1)}×</text></g>`;
    })
    .join('');
  const baseline = 200 - (1 / maxLift) * 180;
  const rows = r.points.filter((p) => p.points !== 0).map((p) => `<tr><td>${esc(p.column)}</td><td>${esc(p.bin)}</td><td class="n">${p.points}</td><td class="n">${p.trainRows}</td></tr>`).join('');
  const m = r.heldOut.atThreshold;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kindling calibration: ${esc(r.name)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;color:#1c1917;padding:0 1rem}h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;border-bottom:1px solid #e7e5e4;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}.kpi{display:flex;gap:1.5rem;flex-wrap:wrap}.kpi div{background:#fafaf9;border:1px solid #e7e5e4;border-radius:8px;padding:.75rem 1rem}.kpi b{display:block;font-size:1.4rem}svg text{font-size:11px;fill:#44403c}</style></head><body>
<h1>Lead score calibration — ${esc(r.name)}</h1>
<p>Fitted on ${r.rows.train} contacts, judged on ${r.rows.test} held-out contacts it never saw. ${pct(r.rows.conversionRate)} of contacts converted.</p>
<div class="kpi"><div>AUC (held out)<b>${r.heldOut.auc.toFixed(3)}</b></div>${r.current ? `<div>Current model AUC<b>${r.current.auc.toFixed(3)}</b></div>` : ''}<div>MQL threshold<b>${r.threshold}</b></div><div>Precision at threshold<b>${pct(m.precision)}</b></div><div>Recall at threshold<b>${pct(m.recall)}</b></div><div>F1 at threshold<b>${m.f1.toFixed(3)}</b></div></div>
${r.current ? `<h2>Against the current model</h2><table><thead><tr><th>Held out</th><th class="n">AUC</th><th class="n">Threshold</th><th class="n">MQLs</th><th class="n">Precision</th><th class="n">Recall</th><th class="n">F1</th></tr></thead><tbody>${[['Calibrated', r.heldOut.auc, r.threshold, m] as const, [r.current.name, r.current.auc, r.current.atThreshold.threshold, r.current.atThreshold] as const].map(([name, auc, t, x]) => `<tr><td>${esc(name)}</td><td class="n">${auc.toFixed(3)}</td><td class="n">${t}</td><td class="n">${x.mqls}</td><td class="n">${pct(x.precision)}</td><td class="n">${pct(x.recall)}</td><td class="n">${x.f1.toFixed(3)}</td></tr>`).join('')}</tbody></table>` : ''}
<h2>Lift by score decile</h2>
<svg role="img" aria-label="Lift by score decile, highest scores first" width="580" height="230" viewBox="0 0 580 230"><line x1="30" x2="570" y1="${baseline}" y2="${baseline}" stroke="#78716c" stroke-dasharray="4 3"/><text x="572" y="${baseline + 4}">1×</text>${bars}</svg>
<p>Decile 1 holds the top-scored 10% of held-out contacts. The dashed line is the average conversion rate.</p>
<h2>Points</h2><table><thead><tr><th>Field</th><th>Value</th><th class="n">Points</th><th class="n">Rows</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>\n`;
}
