/** End reasons (conversation.ended, monitor.ended) in words, per audience. */
const reasons: Record<string, string> = {
  customer_ended: 'The customer ended the conversation.',
  agent_ended: 'The agent ended the conversation.',
  customer_dropped: 'The customer’s connection was lost.',
  agent_dropped: 'The agent’s connection was lost.',
  agent_left: 'The agent signed out.',
  transferred: 'The conversation was transferred.',
  taken_over: 'A supervisor took the conversation over.',
  left: 'You left.',
  conversation_ended: 'The conversation ended.',
  privileges_revoked: 'Your permissions changed, so this ended.',
  shutdown: 'The server is restarting.',
  supervisor_dropped: 'Your connection was lost.',
  not_connected: 'Your audio did not connect in time after the watch started.',
  offer_withdrawn: 'The offer was withdrawn.',
  connection_lost: 'The connection to the server was lost.',
  signed_in_elsewhere: 'You signed in elsewhere; it continues there.',
  no_answer: 'The customer did not answer.',
  customer_declined: 'The customer declined.',
  not_answered: 'The customer did not answer.',
};

/** Says why something ended. */
export function endReasonText(reason: string): string {
  return reasons[reason] ?? 'It ended.';
}

/** For the customer: the same facts, told from their side. */
export function customerEndText(reason: string): string {
  switch (reason) {
    case 'customer_ended':
      return 'You ended the conversation.';
    case 'agent_ended':
      return 'The agent ended the conversation.';
    case 'shutdown':
      return 'The service is restarting. Please try again in a moment.';
    case 'connection_lost':
    case 'customer_dropped':
      return 'Your connection was lost.';
    default:
      return 'The conversation ended.';
  }
}
