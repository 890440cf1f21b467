"""The point programme (ポイント事業者): picks up our member checks and grant
requests from the outbox and answers each in our inbox. Member IDs in
`unknown` are invalid; grants to them are refused."""
from pathlib import Path

from power_core.formats import points
from power_sim import drop


class PointProgramme:

    def __init__(self, outbox, inbox, unknown=()):
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.unknown = set(unknown)

    def process(self):
        """Answer every member check, then every grant request, in the
        outbox; return the paths of the answers."""
        return (self._answer('MEMBER_', points.read_members,
                points.write_members, self._member)
            + self._answer('GRANT_', points.read_grants,
                points.write_grants, self._grant))

    def _answer(self, prefix, read, write, answer):
        written = []
        for path in sorted(self.outbox.glob(f'{prefix}*.csv')):
            requests = read(path.read_bytes(), path.name, result=False)
            written.append(drop(self.inbox,
                    path.name.replace(prefix, f'{prefix}RESULT_'),
                    write([answer(r) for r in requests], result=True)))
            path.unlink()
        return written

    def _member(self, m):
        unknown = m.member_id in self.unknown
        return points.Member(m.customer_number, m.member_id,
            'invalid' if unknown else 'valid',
            '会員番号が見つかりません' if unknown else '')

    def _grant(self, g):
        unknown = g.member_id in self.unknown
        return points.Grant(g.grant_id, g.customer_number, g.member_id,
            g.invoice, g.amount, g.points,
            'refused' if unknown else 'granted',
            '会員番号が無効です' if unknown else '')
