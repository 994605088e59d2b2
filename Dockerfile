# The MES on Odoo's official image: our addons and their Python packages baked in, so that a
# container starts without the network (no pip install at start).
#   docker build -t mes-odoo:19.0 .      (docker compose builds it for you)
FROM odoo:19.0

USER root
# fonts-lato: PDF reports keep real (searchable) text whatever wkhtmltopdf build renders them
# (see mes_bridge/static/src/report/report_fonts.scss)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-lato \
    && rm -rf /var/lib/apt/lists/*
# The image's Python is Ubuntu's (PEP 668): install next to Odoo's Debian packages, never
# over them (pip refuses to replace a package Odoo's own pins brought in).
COPY requirements.txt /opt/mes/requirements.txt
COPY docker/constraints.txt /opt/mes/constraints.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /opt/mes/requirements.txt \
        -c /opt/mes/constraints.txt \
    && python3 -c "import asyncua, OpenSSL"
COPY --chown=odoo:odoo addons /mnt/extra-addons
COPY --chown=odoo:odoo odoo.conf /etc/odoo/odoo.conf
COPY --chmod=0755 docker/healthcheck.py /usr/local/bin/mes-healthcheck
USER odoo

# 8069 HTTP (prefork workers), 8072 websocket / long polling (the gevent process).
EXPOSE 8069 8072
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD ["mes-healthcheck", "http://127.0.0.1:8069/web/health"]
