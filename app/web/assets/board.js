// The director's board: charts drawn with Chart.js from the figures the server put in the page
// (#board-data's data-board); the tables beside them carry the same numbers for reading and printing.
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip,
} from "chart.js";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);
Chart.defaults.font.family = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif';
Chart.defaults.animation = false;  // a board is read, not watched

const PALETTE = ["#1f3a5f", "#2f7ed8", "#52c41a", "#faad14", "#f5222d", "#722ed1", "#13c2c2", "#8a919f"];
const LEVEL_COLOURS = { 5: "#237804", 4: "#52c41a", 3: "#faad14", 2: "#fa8c16", 1: "#f5222d" };

function bar(id, labels, datasets, horizontal = false) {
  const canvas = document.getElementById(id);
  if (!canvas) return;
  new Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: datasets.length > 1 } },
      scales: { x: { stacked: horizontal, ticks: { precision: 0 } }, y: { stacked: horizontal, ticks: { precision: 0 } } },
    },
  });
}

function draw(board) {
  const intake = board.intake_today.by_channel;
  const canvas = document.getElementById("chart-intake");
  if (canvas && intake.length) {
    new Chart(canvas, {
      type: "doughnut",
      data: { labels: intake.map((r) => r.label), datasets: [{ data: intake.map((r) => r.count), backgroundColor: PALETTE }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "right" } } },
    });
  } else if (canvas) {
    canvas.hidden = true;
  }
  const stages = board.pending_by_stage;
  bar("chart-stages", stages.map((r) => r.label), [{ label: "件数", data: stages.map((r) => r.count), backgroundColor: PALETTE[1] }], true);
  const clerks = board.workload.by_clerk.slice(0, 12);
  if (clerks.length) {
    bar("chart-clerks", clerks.map((r) => r.name), [
      { label: "手中待办", data: clerks.map((r) => r.open), backgroundColor: PALETTE[3] },
      { label: "今日办结", data: clerks.map((r) => r.completed_today), backgroundColor: PALETTE[2] },
    ], true);
  } else {
    document.getElementById("chart-clerks").hidden = true;
  }
  const levels = board.ratings_week.by_level;
  bar("chart-ratings", levels.map((r) => r.label),
    [{ label: "条数", data: levels.map((r) => r.count), backgroundColor: levels.map((r) => LEVEL_COLOURS[r.level]) }]);
}

const source = document.getElementById("board-data");
if (source) {
  draw(JSON.parse(source.dataset.board));
  document.body.dataset.chartsReady = "true";
}
