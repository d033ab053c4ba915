// SPDX-License-Identifier: MIT
#include "diffhtml.h"

namespace assay::widgets {

QString diffSideHtml(const std::vector<core::DiffSegment>& segments, bool newSide, bool dark)
{
    const QString removed = dark ? QStringLiteral("background:#5c2020;color:#ffd0d0;text-decoration:line-through")
                                 : QStringLiteral("background:#fbd3d3;color:#8a1010;text-decoration:line-through");
    const QString added = dark ? QStringLiteral("background:#1f4d2a;color:#d0ffd8")
                               : QStringLiteral("background:#cdf3d3;color:#0b5a1c");
    QString html;
    for (const core::DiffSegment& s : segments) {
        if (s.kind == core::DiffSegment::Kind::Added && !newSide)
            continue;
        if (s.kind == core::DiffSegment::Kind::Removed && newSide)
            continue;
        QString text = QString::fromStdString(s.text).toHtmlEscaped();
        text.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        if (s.kind == core::DiffSegment::Kind::Equal)
            html += text;
        else
            html += QStringLiteral("<span style=\"%1\">%2</span>")
                        .arg(s.kind == core::DiffSegment::Kind::Added ? added : removed, text);
    }
    return html;
}

} // namespace assay::widgets
