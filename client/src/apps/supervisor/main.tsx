import { mountApp } from '../../ui/AppShell';
import { SupervisorApp } from './SupervisorApp';

mountApp('supervisor', (p) => <SupervisorApp {...p} />);
