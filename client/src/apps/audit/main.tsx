import { render } from 'preact';
import { useState } from 'preact/hooks';
import { forgetToken, takeToken } from '../../ui/token';
import { SignIn } from '../../ui/widgets';
import { AuditApp } from './AuditApp';
import '../../ui/styles.css';

function Root() {
  const [token, setToken] = useState(() => takeToken('audit', 'supervisor'));
  if (!token) {
    return (
      <SignIn
        app="audit trail"
        onToken={(t) => {
          sessionStorage.setItem('earshot.token.audit', t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <AuditApp
      token={token}
      signOut={() => {
        forgetToken('audit');
        location.href = '/';
      }}
    />
  );
}

const root = document.getElementById('app');
if (root) render(<Root />, root);
