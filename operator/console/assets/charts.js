// Draws every <canvas data-chart="..."> with chart.js. The configuration is JSON the server
// rendered into an attribute (escaped like any attribute): no inline script, no eval.
const COLORS = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#a16207', '#0f766e', '#be123c', '#4d7c0f'];

function draw(canvas) {
  const config = JSON.parse(canvas.dataset.chart);
  config.data.datasets.forEach((d, i) => {
    const color = COLORS[i % COLORS.length];
    d.backgroundColor ??= color;
    d.borderColor ??= color;
  });
  config.options = { animation: false, maintainAspectRatio: false, ...config.options };
  new window.Chart(canvas, config);
}

document.addEventListener('DOMContentLoaded', () => {
  for (const canvas of document.querySelectorAll('canvas[data-chart]')) draw(canvas);
});
