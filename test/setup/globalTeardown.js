/** See strayAuditLog.js. */
module.exports = () => require('./strayAuditLog').teardown();
