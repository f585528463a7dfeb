exports.notMain = function () {}
