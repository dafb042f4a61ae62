/**
 * Differential property tests (fast-check), shard 2 of 4: the sandbox's reference model of Azure's data
 * plane, the product's NSG evaluator, the effective-rules path as src/azure/reader.ts reads it, and the
 * diagnosis agree for every backend (test/property/differential.ts says what is compared).
 * nsgDifferentialCanFail.test.ts shows the check can fail.
 */
import { describeDifferentialShard } from './differential';

describeDifferentialShard(2);
