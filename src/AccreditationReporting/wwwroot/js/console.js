// Times are written in UTC by the server, which cannot know where the reader is. Here they are
// shown in the browser's own time zone, with the UTC original kept on hover (the title). Without
// script the UTC text simply stays.
(function () {
    "use strict";
    var format = new Intl.DateTimeFormat(undefined, {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
    document.querySelectorAll("time[datetime]").forEach(function (time) {
        var at = new Date(time.getAttribute("datetime"));
        if (!isNaN(at.getTime())) {
            time.title = time.textContent;
            time.textContent = format.format(at);
        }
    });
})();
