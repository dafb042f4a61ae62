/**
 * Imported for its effect, first, by the Functions bundle's entry (scripts/bundleFunctions.mjs): an ES
 * module's body runs after all its imports, so the entry cannot call this itself before the
 * registrations load. See src/util/sparkplugFromFirstCall.ts; a bad PROBE_DOCTOR_ALWAYS_SPARKPLUG
 * fails the app's load with the error naming it.
 */
import { compileWithSparkplugFromFirstCall } from './sparkplugFromFirstCall';

compileWithSparkplugFromFirstCall();
