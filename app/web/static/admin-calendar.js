// Holiday calendar: click a day to make it a working day or a day off (PUT /api/v1/calendar/days).
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var status = document.getElementById("calendar-status");
  document.getElementById("calendar").addEventListener("click", function (event) {
    var day = event.target.closest("button.day");
    if (!day) return;
    var toWork = day.dataset.workday !== "true";
    var name = toWork ? "调休上班" : (window.prompt("休息日名称（如：春节）", "调整休息日") || "");
    if (!toWork && !name) return;
    fetch("/api/v1/calendar/days/" + day.dataset.date, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ is_workday: toWork, name: name }),
    }).then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        if (!result[0]) { status.textContent = result[1].message; status.className = "error"; return; }
        day.dataset.workday = String(result[1].is_workday);
        var weekend = new Date(day.dataset.date + "T00:00:00").getDay() % 6 === 0;
        day.className = "day " + (result[1].is_workday ? "work" : "off") + (result[1].is_workday && weekend ? " adjusted" : "") +
          " src-" + (result[1].source || "rule");
        status.textContent = day.dataset.date + " 已设为" + (result[1].is_workday ? "工作日" : "休息日") + "，受影响的期限已重算";
        status.className = "";
      });
  });
})();
