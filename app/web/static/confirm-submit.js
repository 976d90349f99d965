// Forms whose action cannot be taken back ask first, without inline handlers (the pages'
// Content-Security-Policy runs no inline script). Every page loads this file; a form opts in:
//   <form data-confirm="确定取消预约 Y20261204-0001 吗？">
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form instanceof HTMLFormElement && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
