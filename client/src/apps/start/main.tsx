import { render } from 'preact';
import { StartPage } from './StartPage';
import '../../ui/styles.css';

const root = document.getElementById('app');
if (root) render(<StartPage />, root);
