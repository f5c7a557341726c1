---
documentroot: /home/carol/public_html/shop
homedir: /home/carol
owner: reseller1
phpversion: ea-php74
servername: shop.carol.example.com
user: carol
