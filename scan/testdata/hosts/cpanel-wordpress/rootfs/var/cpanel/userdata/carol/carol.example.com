---
documentroot: /home/carol/public_html
homedir: /home/carol
owner: reseller1
phpversion: ea-php74
servername: carol.example.com
user: carol
