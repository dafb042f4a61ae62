/** See strayAuditLog.js. */
module.exports = () => require('./strayAuditLog').setup();
