// Selects that act when changed, without inline handlers (the pages' Content-Security-Policy
// runs no inline script). Every page loads this file; a select opts in with an attribute:
//   <select data-submit>                 submits its form;
//   <select data-submit data-clear="x">  empties the form's field x first (a version of the old process);
//   <select data-reload>                 reloads this page with ?<name>=<value> alone.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement)) return;
  if (select.hasAttribute("data-reload")) {
    var query = new URLSearchParams();
    query.set(select.name, select.value);
    window.location.search = query.toString();
  } else if (select.hasAttribute("data-submit") && select.form) {
    var clear = select.getAttribute("data-clear");
    if (clear && select.form.elements[clear]) select.form.elements[clear].value = "";
    select.form.submit();
  }
});
