import * as df from 'durable-functions';
import { ORCHESTRATOR_NAME } from '../src/workflow/names';
import { probeDoctorOrchestrator } from '../src/workflow/orchestrator';

df.app.orchestration(ORCHESTRATOR_NAME, probeDoctorOrchestrator);
