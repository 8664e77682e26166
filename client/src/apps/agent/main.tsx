import { mountApp } from '../../ui/AppShell';
import { AgentApp } from './AgentApp';

mountApp('agent', (p) => <AgentApp {...p} />);
