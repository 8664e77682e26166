import { mountApp } from '../../ui/AppShell';
import { CustomerApp } from './CustomerApp';

mountApp('customer', (p) => <CustomerApp {...p} />);
